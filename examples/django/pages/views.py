from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.templatetags.static import static
from django.views.decorators.csrf import csrf_exempt


def index(request):
    return HttpResponse('Hello from Django! Stylesheet: %s\n' % static('pages/site.css'), content_type='text/plain')


@csrf_exempt
def save_note(request, name):
    """POST a body: it is saved under MEDIA_ROOT and Apache serves it at MEDIA_URL."""
    if request.method != 'POST':
        return HttpResponseNotAllowed(['POST'])
    saved = default_storage.save('notes/%s.txt' % name, ContentFile(request.body))
    return JsonResponse({'url': default_storage.url(saved)})
